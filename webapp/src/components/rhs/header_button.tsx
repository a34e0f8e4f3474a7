import React from 'react';
import {FormattedMessage} from 'react-intl';

export function RhsTitle(): React.ReactElement {
    return <FormattedMessage id='cix.rhs.title' defaultMessage='CI Exposure'/>;
}

export function HeaderDropdownText(): React.ReactElement {
    return <FormattedMessage id='cix.header.dropdown' defaultMessage='CI Exposure'/>;
}

export function HeaderTooltip(): React.ReactElement {
    return <FormattedMessage id='cix.header.tooltip' defaultMessage='CI Exposure: incident and exposure'/>;
}
