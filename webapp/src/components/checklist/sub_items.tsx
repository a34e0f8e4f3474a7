import React from 'react';
import {FormattedMessage, useIntl} from 'react-intl';

import type {Milestone} from '@cix/contract';

import {TickSource} from './tick_source';

/**
 * A milestone's sub-items (one per affected repository, one per exposed secret and where it is stored):
 * each with its state, who or what set it and when, and its code owners. Read-only here: a sub-item is
 * ticked with `/ci-exposure check N.M` or by the evidence. The post carries the first ones when there
 * are many; `itemsTotal` counts them all.
 */
export function SubItems({milestone, position}: {milestone: Milestone; position: number}): React.ReactElement | null {
    const intl = useIntl();
    const items = milestone.items ?? [];
    if (items.length === 0) {
        return null;
    }
    const total = Math.max(milestone.itemsTotal ?? items.length, items.length);
    return (
        <ul
            className='cix-items'
            aria-label={intl.formatMessage({id: 'cix.items.label', defaultMessage: 'Sub-items of {title}'}, {title: milestone.title})}
        >
            {items.map((item, index) => (
                <li
                    key={item.id}
                    className={`cix-item cix-item--${item.kind}${item.done ? ' cix-item--done' : ''}`}
                >
                    <span
                        className='cix-check'
                        role='img'
                        aria-label={item.done ? intl.formatMessage({id: 'cix.items.done', defaultMessage: 'done'}) : intl.formatMessage({id: 'cix.items.notDone', defaultMessage: 'not done'})}
                    >
                        {item.done ? '✓' : ''}
                    </span>
                    <span className='cix-item__number'>{`${position}.${index + 1}`}</span>
                    <span className='cix-item__label'>{item.label}</span>
                    {item.where !== undefined && <span className='cix-muted cix-small'>{`(${item.where})`}</span>}
                    <TickSource entry={item}/>
                    {item.owners !== undefined && item.owners.length > 0 && (
                        <span className='cix-item__owners cix-small cix-muted'>
                            <FormattedMessage id='cix.items.owners' defaultMessage='owners: {owners}' values={{owners: item.owners.join(', ')}}/>
                        </span>
                    )}
                </li>
            ))}
            {total > items.length && (
                <li className='cix-item cix-item--more cix-muted cix-small'>
                    <FormattedMessage
                        id='cix.items.more'
                        defaultMessage='… {count} more: {command} lists them all'
                        values={{count: total - items.length, command: <code>{'/ci-exposure status'}</code>}}
                    />
                </li>
            )}
        </ul>
    );
}
